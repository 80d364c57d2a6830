package dev.llmguard.springai;

import java.lang.reflect.Field;
import java.util.List;

import org.springframework.ai.chat.client.advisor.ChatModelCallAdvisor;
import org.springframework.ai.chat.client.advisor.ChatModelStreamAdvisor;
import org.springframework.ai.chat.client.advisor.api.CallAdvisorChain;
import org.springframework.ai.chat.client.advisor.api.StreamAdvisorChain;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.util.ReflectionUtils;

/**
 * The chat model a {@code ChatClient} was built on, found at the bottom of its advisor chain: the
 * provider of a request is that model's. Spring AI's terminal advisors keep the model in a private
 * field; when a later version hides it, the answer is {@code null} and the model guards itself.
 */
final class ChatModelUnderneath {

	private static final Field CALL_MODEL = field(ChatModelCallAdvisor.class);

	private static final Field STREAM_MODEL = field(ChatModelStreamAdvisor.class);

	private ChatModelUnderneath() {
	}

	/** The chat model under a call chain, or {@code null} when it cannot be seen. */
	static ChatModel of(CallAdvisorChain chain) {
		return modelOf(chain.getCallAdvisors(), ChatModelCallAdvisor.class, CALL_MODEL);
	}

	/** The chat model under a stream chain, or {@code null} when it cannot be seen. */
	static ChatModel of(StreamAdvisorChain chain) {
		return modelOf(chain.getStreamAdvisors(), ChatModelStreamAdvisor.class, STREAM_MODEL);
	}

	private static ChatModel modelOf(List<?> advisors, Class<?> terminal, Field field) {
		if (field == null || advisors == null) {
			return null;
		}
		for (int i = advisors.size() - 1; i >= 0; i--) {
			Object advisor = advisors.get(i);
			if (terminal.isInstance(advisor)) {
				return (ReflectionUtils.getField(field, advisor) instanceof ChatModel model) ? model : null;
			}
		}
		return null;
	}

	private static Field field(Class<?> type) {
		Field field = ReflectionUtils.findField(type, "chatModel", ChatModel.class);
		if (field != null) {
			try {
				ReflectionUtils.makeAccessible(field);
			}
			catch (RuntimeException ex) {
				return null; // a module system that forbids it: the model guards itself
			}
		}
		return field;
	}

}
