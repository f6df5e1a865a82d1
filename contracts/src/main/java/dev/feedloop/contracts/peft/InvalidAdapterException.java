package dev.feedloop.contracts.peft;

import java.io.IOException;
import java.util.List;

/**
 * A PEFT adapter on disk is malformed: its {@code adapter_config.json} cannot be parsed, or its weights do not
 * match its config. The message names the file and every problem found; {@link #problems()} lists them.
 */
public class InvalidAdapterException extends IOException {
    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    /**
     * Creates the exception.
     *
     * @param source the file or directory, named first in the message
     * @param problems what is wrong, one entry per problem; must not be empty
     */
    public InvalidAdapterException(String source, List<String> problems) {
        super(message(source, problems));
        this.problems = List.copyOf(problems);
    }

    /**
     * Every problem found, each naming the key or weight it concerns.
     *
     * @return an unmodifiable, non-empty list
     */
    public List<String> problems() {
        return problems;
    }

    private static String message(String source, List<String> problems) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("an InvalidAdapterException needs at least one problem");
        }
        return problems.size() == 1 ? source + ": " + problems.get(0)
                : source + ": " + problems.size() + " problems: " + String.join("; ", problems);
    }
}
