package dev.feedloop.contracts.spi;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Test-only judge that prefers the longer response when one is more than twice as long as the
 * other, and calls it a tie otherwise.
 */
final class LengthJudge implements Judge {
    @Override
    public CompletionStage<Verdict> compare(Request request) {
        int first = request.first().length();
        int second = request.second().length();
        Verdict verdict;
        if (first > 2 * second) {
            verdict = new Verdict(Preference.FIRST, 0.9, "first is " + first + " chars, second " + second);
        } else if (second > 2 * first) {
            verdict = new Verdict(Preference.SECOND, 0.9, "second is " + second + " chars, first " + first);
        } else {
            verdict = new Verdict(Preference.TIE, 0.5, "similar lengths");
        }
        return CompletableFuture.completedFuture(verdict);
    }
}
