package dev.llmguard.sample.chat;

import jakarta.validation.Valid;

import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code POST /api/chat}. */
@RestController
@RequestMapping("/api")
class ChatController {

	private final ChatService chat;

	ChatController(ChatService chat) {
		this.chat = chat;
	}

	@PostMapping("/chat")
	ChatAnswer chat(@Valid @RequestBody ChatRequest request) {
		return this.chat.chat(request);
	}

}
