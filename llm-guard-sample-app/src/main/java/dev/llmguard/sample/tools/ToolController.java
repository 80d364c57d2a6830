package dev.llmguard.sample.tools;

import java.util.function.Supplier;

import jakarta.validation.Valid;

import dev.llmguard.core.LlmGuard;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /api/tools/{tool}}: runs a shop tool under its llm-guard limit. While the tool is
 * limited the caller gets the tool's configured fallback response, marked by the
 * {@value #FALLBACK_HEADER} header, so an agent loop keeps going instead of failing.
 */
@RestController
@RequestMapping("/api/tools")
class ToolController {

	static final String FALLBACK_HEADER = "X-LLM-Guard-Fallback";

	private final LlmGuard guard;

	private final ShopTools tools;

	private final JsonMapper json;

	ToolController(LlmGuard guard, ShopTools tools, JsonMapper json) {
		this.guard = guard;
		this.tools = tools;
		this.json = json;
	}

	@PostMapping("/{tool}")
	ResponseEntity<String> call(@PathVariable String tool, @Valid @RequestBody ToolRequest request) {
		if (!this.tools.exists(tool)) {
			throw new UnknownToolException(this.tools.names());
		}
		Supplier<ToolAnswer> run = () -> new ToolAnswer(this.json.writeValueAsString(this.tools.run(tool, request.query())),
				false);
		// a tool without a configured limit (llm.guard.tools.*) runs unlimited
		ToolAnswer answer = this.guard.engine().tools().isLimited(tool)
				? this.guard.tool(tool, run, (fallback) -> new ToolAnswer(fallback, true)) : run.get();
		ResponseEntity.BodyBuilder response = ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON);
		if (answer.fallback()) {
			response.header(FALLBACK_HEADER, "true");
		}
		return response.body(answer.json());
	}

	private record ToolAnswer(String json, boolean fallback) {
	}

}
