#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The state directory on disk: created private, refused when others could change it, and
/// locked so that one process at a time uses it.
enum StateDirectory {
    /// Creates the directory (mode 0700) if needed, and checks that this process may use it
    /// and that nobody else can change what it holds.
    static func prepare(_ directory: String) throws(StateError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw StateError("state directory \(directory): cannot create it (\(StateStore.reason(error)))")
        }
        guard access(directory, W_OK | X_OK) == 0 else {
            throw StateError("state directory \(directory): not writable (\(String(cString: strerror(errno))))")
        }
        // Whoever can write the state can rewrite the history and the offsets, queue an alert
        // that logwatch then signs and sends, or plant a symlink that makes it write elsewhere:
        // the directory and the database files are this user's, and nobody else's to write.
        var st = stat()
        if stat(directory, &st) == 0 {
            if st.st_uid != geteuid() {
                throw StateError("state directory \(directory) belongs to another user (uid \(st.st_uid)); logwatch keeps its state only in a directory of the user it runs as")
            }
            if st.st_mode & (S_IWGRP | S_IWOTH) != 0 {
                throw StateError("state directory \(directory) is writable by others than its owner (mode \(String(st.st_mode & 0o777, radix: 8))); run chmod 700 \(directory)")
            }
        }
        for suffix in ["", "-wal", "-shm"] {
            let file = directory + "/state.sqlite" + suffix
            guard lstat(file, &st) == 0 else { continue }
            if (st.st_mode & S_IFMT) == S_IFLNK {
                throw StateError("state file \(file) is a symbolic link; logwatch writes its state only to a regular file")
            }
            if st.st_uid != geteuid() {
                throw StateError("state file \(file) belongs to another user (uid \(st.st_uid)); move it away")
            }
            if st.st_mode & (S_IWGRP | S_IWOTH) != 0 {
                throw StateError("state file \(file) is writable by others than its owner (mode \(String(st.st_mode & 0o777, radix: 8))); run chmod 600 \(file)")
            }
        }
    }

    /// Takes the directory's lock for the life of the process; returns the descriptor that
    /// holds it. The lock is on the directory itself, which a process that deletes or replaces
    /// a file inside it cannot swap for another; the `lock` file beside the database only holds
    /// the owner's pid, for the message a second process gets.
    static func lock(_ directory: String) throws(StateError) -> Int32 {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw StateError("state directory \(directory): cannot open it (\(String(cString: strerror(errno))))") }
        let pidPath = directory + "/lock"
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            var pid = "?"
            let pidFile = open(pidPath, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
            if pidFile >= 0 {
                var buffer = [UInt8](repeating: 0, count: 32)
                let n = read(pidFile, &buffer, buffer.count)
                if n > 0 { pid = String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
                close(pidFile)
            }
            throw StateError("state directory \(directory) is in use by another logwatch (pid \(pid)); one process per state directory")
        }
        let pidFile = open(pidPath, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if pidFile >= 0 {
            let pidText = Array("\(getpid())\n".utf8)
            _ = write(pidFile, pidText, pidText.count)
            close(pidFile)
        }
        return fd
    }

}
