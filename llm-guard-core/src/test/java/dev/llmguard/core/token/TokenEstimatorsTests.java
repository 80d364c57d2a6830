package dev.llmguard.core.token;

import com.knuddels.jtokkit.api.EncodingType;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TokenEstimatorsTests {

	@Test
	void jtokkitCountsHelloWorldAsTwoTokens() {
		assertThat(new JtokkitTokenEstimator().estimate("Hello world")).isEqualTo(2);
		assertThat(new JtokkitTokenEstimator(EncodingType.CL100K_BASE).estimate("Hello world")).isEqualTo(2);
	}

	@Test
	void jtokkitCountsNullAndEmptyTextAsNothing() {
		JtokkitTokenEstimator estimator = new JtokkitTokenEstimator();
		assertThat(estimator.estimate(null)).isZero();
		assertThat(estimator.estimate("")).isZero();
	}

	@Test
	void jtokkitCountsSpecialTokenTextAsOrdinaryText() {
		// a prompt containing "<|endoftext|>" must not break estimation
		assertThat(new JtokkitTokenEstimator().estimate("<|endoftext|>")).isPositive();
	}

	@Test
	void charsEstimatorRoundsAQuarterOfTheCharactersUp() {
		CharsTokenEstimator estimator = new CharsTokenEstimator();
		assertThat(estimator.estimate("a")).isEqualTo(1);
		assertThat(estimator.estimate("abcd")).isEqualTo(1);
		assertThat(estimator.estimate("abcde")).isEqualTo(2);
		assertThat(estimator.estimate("Hello world")).isEqualTo(3);
	}

	@Test
	void charsEstimatorCountsNullAndEmptyTextAsNothing() {
		CharsTokenEstimator estimator = new CharsTokenEstimator();
		assertThat(estimator.estimate(null)).isZero();
		assertThat(estimator.estimate("")).isZero();
	}

	@Test
	void choosesJtokkitWhenItIsOnTheClassPath() {
		assertThat(TokenEstimators.best(getClass().getClassLoader())).isInstanceOf(JtokkitTokenEstimator.class);
		assertThat(TokenEstimators.best(null)).isInstanceOf(JtokkitTokenEstimator.class);
	}

	@Test
	void fallsBackToCharactersWithoutJtokkit() {
		ClassLoader withoutJtokkit = new ClassLoader(getClass().getClassLoader()) {

			@Override
			protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
				if (name.startsWith("com.knuddels.jtokkit.")) {
					throw new ClassNotFoundException(name);
				}
				return super.loadClass(name, resolve);
			}

		};
		assertThat(TokenEstimators.best(withoutJtokkit)).isInstanceOf(CharsTokenEstimator.class);
	}

}
