package dev.llmguard.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.llmguard.core.config.ChainSpec;
import dev.llmguard.core.config.GuardSettings;
import dev.llmguard.core.config.ModelSpec;
import dev.llmguard.core.config.ProviderSpec;
import dev.llmguard.core.model.ModelRef;

/**
 * Where a call goes and with which defaults: the models it may use (a chain, a single model, the
 * provider's only model, or the {@code default} chain from a requested model on), its max wait for
 * capacity, its deadline and its output allowance. Every entry point (annotation, facade, Spring AI advisor,
 * RestClient interceptor) resolves calls here, so a default is decided once.
 */
public final class CallRouting {

	/**
	 * The model name under which a provider's plain requests (no model call: files, model lists) are
	 * counted when {@code guard-other-requests} is on.
	 */
	public static final String OTHER_REQUESTS = "(other requests)";


	/** The chain a request for one of its models continues on, when no chain is named. */
	public static final String DEFAULT_CHAIN = "default";

	private final GuardSettings settings;

	public CallRouting(GuardSettings settings) {
		this.settings = settings;
	}

	/**
	 * The models a call may use, in order, and the chain they come from.
	 * @throws IllegalArgumentException when the request names an unknown chain or provider, or names
	 * none while several models are configured and there is no {@code default} chain
	 */
	public Route route(CallRequest request) {
		if (request.model() != null) {
			requireProvider(request.model());
			if (request.chain() != null) {
				ChainSpec chain = chain(request.chain());
				return new Route(chain, candidatesFrom(chain, request.model()));
			}
			return new Route(null, List.of(request.model()));
		}
		if (request.chain() != null) {
			ChainSpec chain = chain(request.chain());
			return new Route(chain, chain.models());
		}
		ChainSpec defaultChain = this.settings.chains().get(DEFAULT_CHAIN);
		return (defaultChain != null) ? new Route(defaultChain, defaultChain.models())
				: new Route(null, List.of(onlyModel()));
	}

	/**
	 * The chain a request for a model goes on down when it names no chain: the {@code default} chain
	 * when it lists the model, else {@code null} (the model alone).
	 */
	public ChainSpec defaultChainFrom(ModelRef model) {
		ChainSpec chain = this.settings.chains().get(DEFAULT_CHAIN);
		return (chain != null && model != null && chain.models().contains(model)) ? chain : null;
	}

	/** Within a chain, the part starting at the requested model (a request for the cheaper model does not climb up). */
	public static List<ModelRef> candidatesFrom(ChainSpec chain, ModelRef model) {
		int index = chain.models().indexOf(model);
		return (index >= 0) ? chain.models().subList(index, chain.models().size()) : List.of(model);
	}

	/**
	 * Finds the model a request names by model name alone (Spring AI options carry no provider): a
	 * {@code provider/model} of a configured provider, else the configured model of that name.
	 * @return the configured model, or {@code null}
	 */
	public ModelRef resolveModel(String modelName) {
		if (modelName == null) {
			return null;
		}
		if (modelName.indexOf('/') > 0) {
			ModelRef ref = ModelRef.parse(modelName);
			if (this.settings.providers().containsKey(ref.provider())) {
				return ref;
			}
		}
		for (ProviderSpec provider : this.settings.providers().values()) {
			if (provider.models().containsKey(modelName)) {
				return new ModelRef(provider.name(), modelName);
			}
		}
		return null;
	}

	/** The longest a call may wait for capacity on a model: its own, else the provider's, else the default. */
	public Duration maxWait(CallRequest request, ModelRef model) {
		if (request.maxWait() != null) {
			return request.maxWait();
		}
		ProviderSpec provider = this.settings.providers().get(model.provider());
		return (provider != null && provider.maxWait() != null) ? provider.maxWait() : this.settings.defaultMaxWait();
	}

	/**
	 * The deadline of a call, from its start: its own, else {@code llm.guard.retry.max-total-time}.
	 */
	public Duration maxTotalTime(CallRequest request) {
		return (request.maxTotalTime() != null) ? request.maxTotalTime() : this.settings.retry().maxTotalTime();
	}

	/**
	 * The output allowance reserved for a call on a model, and written into the request that leaves:
	 * the request's own max tokens, else the model's configured {@code max-output-tokens}, else
	 * {@code llm.guard.estimation.default-max-output-tokens}.
	 * @param spec the configured model, or {@code null}
	 */
	public long maxOutputTokens(CallRequest request, ModelSpec spec) {
		if (request.maxOutputTokens() != null) {
			return request.maxOutputTokens();
		}
		if (spec != null && spec.maxOutputTokens() != null) {
			return spec.maxOutputTokens();
		}
		return this.settings.defaultMaxOutputTokens();
	}

	private ChainSpec chain(String name) {
		ChainSpec chain = this.settings.chains().get(name);
		if (chain == null) {
			throw new IllegalArgumentException("Unknown chain '" + name + "': configure llm.guard.chains." + name
					+ " or use one of " + this.settings.chains().keySet());
		}
		return chain;
	}

	private void requireProvider(ModelRef model) {
		if (!this.settings.providers().containsKey(model.provider())) {
			throw new IllegalArgumentException("Unknown provider '" + model.provider() + "' in " + model
					+ ": configure llm.guard.providers." + model.provider() + " or use one of "
					+ this.settings.providers().keySet());
		}
	}

	private ModelRef onlyModel() {
		List<ModelRef> all = new ArrayList<>();
		for (ProviderSpec provider : this.settings.providers().values()) {
			provider.models().keySet().forEach(m -> all.add(new ModelRef(provider.name(), m)));
		}
		if (all.size() != 1) {
			throw new IllegalArgumentException("The call names no chain or model and there are " + all.size()
					+ " configured models: set chain or model, or configure llm.guard.chains.default");
		}
		return all.get(0);
	}

	/**
	 * Where a call goes.
	 * @param chain the chain, or {@code null} for a single model
	 * @param candidates the models to try, in order
	 */
	public record Route(ChainSpec chain, List<ModelRef> candidates) {
	}

}
