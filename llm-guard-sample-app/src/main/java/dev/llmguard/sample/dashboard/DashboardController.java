package dev.llmguard.sample.dashboard;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** The history the dashboard's charts draw: {@code GET /dashboard/history}. */
@RestController
class DashboardController {

	private final DashboardHistory history;

	DashboardController(DashboardHistory history) {
		this.history = history;
	}

	@GetMapping("/dashboard/history")
	DashboardHistory.History history() {
		return this.history.history();
	}

}
