package dev.llmguard.actuate;

import java.security.Principal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonInclude.Include;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.WebEndpoint;

import dev.llmguard.core.change.RuntimeLimits;
import dev.llmguard.core.event.GuardEvent;

/**
 * The {@code llmguardlimits} endpoint: limits changed at runtime, without a restart.
 * <ul>
 * <li>{@code GET /actuator/llmguardlimits}: every setting that can change, configured and current value;</li>
 * <li>{@code POST /actuator/llmguardlimits} {@code {"setting": "providers.openai.requests-per-minute", "value": 300}}:
 * changes one setting (400 naming what is wrong, and nothing changes);</li>
 * <li>{@code DELETE /actuator/llmguardlimits/{setting}} (a setting or its start, e.g. {@code providers.openai})
 * and {@code DELETE /actuator/llmguardlimits}: back to the configured values.</li>
 * </ul>
 * Writes answer 403 unless the request carries an authenticated principal (management endpoints are
 * secured, e.g. by Spring Security) or access was opened explicitly with
 * {@code management.endpoint.llmguardlimits.access=unrestricted}. Each change is a
 * {@code limits-changed} event with the old and new values and the principal.
 */
@WebEndpoint(id = "llmguardlimits", defaultAccess = Access.UNRESTRICTED)
public class LlmGuardLimitsEndpoint {

	private final RuntimeLimits limits;

	private final boolean opened;

	/**
	 * @param limits the runtime limits
	 * @param opened whether write access was opened explicitly, for requests without a principal
	 */
	public LlmGuardLimitsEndpoint(RuntimeLimits limits, boolean opened) {
		this.limits = Objects.requireNonNull(limits, "limits");
		this.opened = opened;
	}

	/** Every setting that can change at runtime. */
	@ReadOperation
	public LimitsDescriptor settings() {
		Map<String, SettingDescriptor> settings = new LinkedHashMap<>();
		this.limits.settings()
			.forEach((name, value) -> settings.put(name,
					new SettingDescriptor(value.configured(), value.current(), value.overridden())));
		return new LimitsDescriptor(settings);
	}

	/**
	 * Changes one setting.
	 * @param setting the setting's name, e.g. {@code providers.openai.requests-per-minute}
	 * @param value the new value, e.g. {@code 300}, {@code 12.50}, {@code 0.8}
	 * @param principal who asks; {@code null} without security
	 * @return what changed, or 403 when writes are not allowed
	 */
	@WriteOperation
	public WebEndpointResponse<Object> change(String setting, String value, @Nullable Principal principal) {
		WebEndpointResponse<Object> refused = refusal(principal);
		if (refused != null) {
			return refused;
		}
		try {
			return new WebEndpointResponse<>(changes(this.limits.change(Map.of(setting, value), name(principal))));
		}
		catch (IllegalArgumentException ex) {
			return error(400, ex.getMessage());
		}
	}

	/**
	 * Returns every setting to its configured value.
	 * @param principal who asks; {@code null} without security
	 * @return what changed back, or 403 when writes are not allowed
	 */
	@DeleteOperation
	public WebEndpointResponse<Object> resetAll(@Nullable Principal principal) {
		WebEndpointResponse<Object> refused = refusal(principal);
		if (refused != null) {
			return refused;
		}
		return new WebEndpointResponse<>(changes(this.limits.reset(null, name(principal))));
	}

	/**
	 * Returns a setting, or every setting under a start such as {@code providers.openai}, to the
	 * configured values.
	 * @param setting a setting's name or start
	 * @param principal who asks; {@code null} without security
	 * @return what changed back, or 403 when writes are not allowed
	 */
	@DeleteOperation
	public WebEndpointResponse<Object> reset(@Selector String setting, @Nullable Principal principal) {
		WebEndpointResponse<Object> refused = refusal(principal);
		if (refused != null) {
			return refused;
		}
		try {
			return new WebEndpointResponse<>(changes(this.limits.reset(setting, name(principal))));
		}
		catch (IllegalArgumentException ex) {
			return error(400, ex.getMessage());
		}
	}

	private WebEndpointResponse<Object> refusal(Principal principal) {
		if (principal != null || this.opened) {
			return null;
		}
		return error(403, "Changing limits needs an authenticated principal (secure the management endpoints, e.g. "
				+ "with Spring Security) or management.endpoint.llmguardlimits.access=unrestricted");
	}

	/** An answer whose body says what was wrong: {@code {"status": 400, "error": "..."}}. */
	private static WebEndpointResponse<Object> error(int status, String message) {
		return new WebEndpointResponse<>(new ErrorDescriptor(status, message), status);
	}

	private static String name(Principal principal) {
		return (principal != null) ? principal.getName() : null;
	}

	private static ChangesDescriptor changes(List<GuardEvent.LimitChange> changes) {
		return new ChangesDescriptor(changes.stream()
			.map((c) -> new ChangeDescriptor(c.setting(), c.oldValue(), c.newValue(), c.configured()))
			.toList());
	}

	/**
	 * The body of {@code GET /actuator/llmguardlimits}.
	 * @param settings every setting that can change, by name
	 */
	public record LimitsDescriptor(Map<String, SettingDescriptor> settings) implements OperationResponseBody {
	}

	/**
	 * One setting.
	 * @param configured the configured value, {@code null} when none
	 * @param current the value in force
	 * @param overridden whether a runtime change set it
	 */
	@JsonInclude(Include.ALWAYS)
	public record SettingDescriptor(String configured, String current, boolean overridden) {
	}

	/**
	 * A refused write.
	 * @param status the HTTP status
	 * @param error what was wrong and what to do
	 */
	public record ErrorDescriptor(int status, String error) implements OperationResponseBody {
	}

	/**
	 * What a change or reset did.
	 * @param changes each setting that changed
	 */
	public record ChangesDescriptor(List<ChangeDescriptor> changes) implements OperationResponseBody {
	}

	/**
	 * One setting that changed.
	 * @param setting its name
	 * @param oldValue the value before
	 * @param newValue the value after
	 * @param configured the configured value
	 */
	@JsonInclude(Include.ALWAYS)
	public record ChangeDescriptor(String setting, String oldValue, String newValue, String configured) {
	}

}
