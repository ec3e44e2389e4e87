package io.sluice.cli;

/** A problem the user can fix, reported without a stack trace, with the exit code it deserves. */
final class UserError extends RuntimeException {
    private final int exitCode;

    UserError(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
