package dev.llmguard.core.config;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/**
 * The modes in force now: the configured {@link GuardModes}, changed at runtime (the
 * {@code llmguardlimits} endpoint) without a restart. Each guarded call reads them once when it starts,
 * so one call is decided in one mode throughout.
 */
public final class CurrentModes {

	private final AtomicReference<GuardModes> modes;

	/**
	 * @param configured the modes at start
	 */
	public CurrentModes(GuardModes configured) {
		this.modes = new AtomicReference<>(Objects.requireNonNull(configured, "configured"));
	}

	/** The modes in force now. */
	public GuardModes get() {
		return this.modes.get();
	}

	/**
	 * Changes the modes in one atomic step.
	 * @param change from the modes now to the new ones
	 * @return the new modes
	 */
	public GuardModes update(UnaryOperator<GuardModes> change) {
		return this.modes.updateAndGet(change);
	}

	@Override
	public String toString() {
		return get().toString();
	}

}
