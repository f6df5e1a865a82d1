package dev.feedloop.contracts.spi;

import dev.feedloop.contracts.event.Prompt;
import dev.feedloop.contracts.testkit.JudgeContract;

/** The test-only {@link LengthJudge} satisfies the judge contract. */
class LengthJudgeContractTest extends JudgeContract {
    @Override
    protected Judge judge() {
        return new LengthJudge();
    }

    @Override
    protected Judge.Request clearCase() {
        return new Judge.Request(Prompt.text("Why is the sky blue?"),
                "Sunlight scatters off air molecules, and shorter (blue) wavelengths scatter the most.",
                "It is.");
    }
}
