package io.sluice.spi.source;

import io.sluice.spi.Split;
import java.io.IOException;
import java.util.List;

/**
 * A source whose splits each read a range of one ordered column (the cursor of an incremental read), so that a window
 * of that column can be read again: {@code sluice backfill}. The framework sends the splits named back to pending; a
 * replay reads the same range as the rows stand then, and the sink replaces what the split wrote before.
 */
public interface Windowed {

    /**
     * The splits among {@code registered} (every split of the pipeline) whose range meets the window from {@code from}
     * (inclusive) up to {@code to} (exclusive), in the order they were registered.
     *
     * @throws IllegalArgumentException a bound that is not a value of the column, or {@code from} not before
     *     {@code to}: the message names the option ({@code --from}, {@code --to}) and the form expected
     * @throws IOException when this source's settings have no ranges to read again (a full read, say): the message
     *     says what to do instead
     */
    Window window(List<Split> registered, String from, String to) throws IOException;

    /**
     * @param splits the splits to read again
     * @param notes  what a user should know about the window (a part after the last range read, say)
     */
    record Window(List<Split> splits, List<String> notes) {
        public Window {
            splits = List.copyOf(splits);
            notes = List.copyOf(notes);
        }
    }
}
