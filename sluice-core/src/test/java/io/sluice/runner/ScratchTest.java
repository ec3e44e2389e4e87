package io.sluice.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.spi.Claim;
import io.sluice.spi.Member;
import io.sluice.spi.Split;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScratchTest {
    @TempDir
    Path spill;

    @Test
    void aSplitWhoseIdHashesToTheSmallestIntGetsAFolderNamedWithoutASign() throws Exception {
        String id = "polygenelubricants";
        assertThat(id.hashCode()).as("Math.abs leaves this one negative").isEqualTo(Integer.MIN_VALUE);
        Claim claim = new Claim(new Split(id, List.of(Member.whole(id, "v1", null)), 1), "me", 7, Instant.EPOCH, 1);
        try (Scratch scratch = Scratch.create(spill, "scratch")) {
            assertThat(scratch.forSplit(claim).getFileName().toString()).matches("t7-\\d+");
        }
    }

    /** A process killed by SIGKILL runs no cleanup: the next process of the host removes what it left. */
    @Test
    void theFolderOfAKilledProcessOfThisHostIsRemovedByTheNextOne() throws Exception {
        Path killed = Scratch.folderOf(spill, "scratch", deadPid());
        Path staged = Files.createDirectories(killed.resolve("t3-42/sink")).resolve("append-1.csv");
        Files.writeString(staged, "a,b\n");
        Path otherPrefix = Files.createDirectories(Scratch.folderOf(spill, "merge", deadPid()));

        try (Scratch scratch = Scratch.create(spill, "scratch")) {
            assertThat(killed).doesNotExist();
            assertThat(otherPrefix).as("only folders of the prefix made").exists();
            assertThat(Scratch.folderOf(
                            spill, "scratch", ProcessHandle.current().pid()))
                    .isDirectory();
        }
    }

    /** A pid says nothing about a process of another machine sharing the spill path, and a live one's is in use. */
    @Test
    void theFoldersOfLiveProcessesAndOfOtherHostsAreKept() throws Exception {
        long live = ProcessHandle.current().parent().orElseThrow().pid();
        long dead = deadPid();
        Path ofLiveProcess =
                Files.createDirectories(Scratch.folderOf(spill, "scratch", live).resolve("t1-1"));
        Path ofOtherHost = Files.createDirectories(spill.resolve("scratch-some-other-host-" + dead));
        Path ofOtherHostNamedLikeThisOne = Files.createDirectories(
                spill.resolve(Scratch.folderOf(spill, "scratch", dead).getFileName() + "-" + dead));
        Path ofEarlierSluice = Files.createDirectories(spill.resolve("scratch-" + dead));

        try (Scratch scratch = Scratch.create(spill, "scratch")) {
            assertThat(ofLiveProcess).exists();
            assertThat(ofOtherHost).exists();
            assertThat(ofOtherHostNamedLikeThisOne)
                    .as("host \"HOST-PID\": not this host")
                    .exists();
            assertThat(ofEarlierSluice)
                    .as("no host in its name: maybe another machine's")
                    .exists();
        }
        assertThat(Scratch.folderOf(spill, "scratch", ProcessHandle.current().pid()))
                .as("the run's own folder goes at its end")
                .doesNotExist();
    }

    /** A split's spools are kept emptied and handed out again: the file system creates and deletes none of them. */
    @Test
    void theFilesOfASplitsReadingFolderAreHandedOutAgainEmptied() throws Exception {
        try (Scratch scratch = Scratch.create(spill, "scratch")) {
            Path first = Files.createDirectories(spill.resolve("first/source"));
            Path spool = scratch.newFile(first.resolve("0-a.csv"));
            Files.writeString(spool, "id\n1\n");
            Object inode = Files.getAttribute(spool, "unix:ino");
            scratch.recycle(first);
            assertThat(first).isEmptyDirectory();

            Path second = Files.createDirectories(spill.resolve("second/source"));
            Path again = scratch.newFile(second.resolve("0-b.csv"));
            assertThat(Files.getAttribute(again, "unix:ino"))
                    .as("the same file")
                    .isEqualTo(inode);
            assertThat(again).isEmptyFile();
            Path fresh = scratch.newFile(second.resolve("1-c.csv"));
            assertThat(fresh).as("none kept any more: a new one").isEmptyFile();
            assertThat(Files.getAttribute(fresh, "unix:ino")).isNotEqualTo(inode);
        }
    }

    @Test
    void aFileThatIsThereAlreadyIsNotOverwrittenAndTheKeptOneStays() throws Exception {
        try (Scratch scratch = Scratch.create(spill, "scratch")) {
            Path reading = Files.createDirectories(spill.resolve("t1/source"));
            Files.writeString(reading.resolve("old.csv"), "x");
            scratch.recycle(reading);
            Path taken = Files.writeString(spill.resolve("taken.csv"), "mine");
            assertThatThrownBy(() -> scratch.newFile(taken)).isInstanceOf(FileAlreadyExistsException.class);
            assertThat(taken).hasContent("mine");
            Path next = scratch.newFile(spill.resolve("next.csv"));
            assertThat(next).isEmptyFile();
        }
    }

    /** Emptying a file that has another name would empty the other one: such a file is left for removal. */
    @Test
    void aFileWithAnotherNameIsNotEmptied() throws Exception {
        try (Scratch scratch = Scratch.create(spill, "scratch")) {
            Path reading = Files.createDirectories(spill.resolve("t1/source"));
            Path elsewhere = Files.writeString(spill.resolve("input.csv"), "id\n1\n");
            Path linked = Files.createLink(reading.resolve("0-input.csv"), elsewhere);
            scratch.recycle(reading);
            assertThat(linked).exists();
            assertThat(elsewhere).hasContent("id\n1\n");
            assertThat(Files.getAttribute(scratch.newFile(spill.resolve("next.csv")), "unix:ino"))
                    .as("not kept: a new file")
                    .isNotEqualTo(Files.getAttribute(elsewhere, "unix:ino"));
        }
    }

    @Test
    void atMostKEPTFilesAreKept() throws Exception {
        try (Scratch scratch = Scratch.create(spill, "scratch")) {
            Path reading = Files.createDirectories(spill.resolve("t1/source"));
            for (int i = 0; i < Scratch.KEPT + 3; i++) Files.createFile(reading.resolve(i + ".csv"));
            Files.createDirectories(reading.resolve("folder"));
            scratch.recycle(reading);
            try (var left = Files.list(reading)) {
                assertThat(left.count())
                        .as("3 files and the folder left for removal")
                        .isEqualTo(4);
            }
        }
    }

    /** The pid of a process that ran and ended (reaped: no process has it, unless the system gave it again). */
    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        assertThat(ProcessHandle.of(p.pid())).as("pid reused already").isEmpty();
        return p.pid();
    }
}
