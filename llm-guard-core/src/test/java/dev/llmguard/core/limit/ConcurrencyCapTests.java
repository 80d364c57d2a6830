package dev.llmguard.core.limit;

import org.junit.jupiter.api.Test;

import dev.llmguard.core.config.PriorityReserve;
import dev.llmguard.core.limit.SharedSlotOverlapTests.FakeSlots;

import static org.assertj.core.api.Assertions.assertThat;

class ConcurrencyCapTests {

	private final FakeSlots fleet = new FakeSlots();

	@Test
	void aCallLetInWhileLimitsAreLearnedHoldsASlotOfTheFleetToo() {
		ConcurrencyCap cap = new ConcurrencyCap(2, PriorityReserve.NONE, this.fleet);
		cap.beCautious();

		assertThat(cap.tryTake(0)).isTrue();
		assertThat(this.fleet.held).as("the fleet counts the cautious call").hasSize(1);

		cap.endCaution();
		assertThat(cap.tryTake(0)).isTrue();
		assertThat(this.fleet.held).hasSize(2);

		// the cautious call ends while the other runs: the fleet still counts the other's slot
		cap.release();
		assertThat(this.fleet.held).hasSize(1);
		assertThat(cap.localInUse()).isOne();
		cap.release();
		assertThat(this.fleet.held).isEmpty();
	}

	@Test
	void aCautiousCallTheFleetHasNoSlotForIsRefusedAndHoldsNothing() {
		ConcurrencyCap cap = new ConcurrencyCap(1, PriorityReserve.NONE, this.fleet);
		this.fleet.answer = SharedSlotOverlapTests.Answer.REFUSE;
		cap.beCautious();

		assertThat(cap.tryTake(0)).isFalse();
		assertThat(cap.localInUse()).isZero();
		assertThat(this.fleet.held).isEmpty();
	}

}
