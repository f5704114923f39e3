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
        // Whoever can write the state can rewrite the history and the offsets, or plant a
        // symlink that makes logwatch write elsewhere.
        var st = stat()
        if stat(directory, &st) == 0 {
            if st.st_mode & S_IWOTH != 0 && st.st_mode & S_ISVTX == 0 {
                throw StateError("state directory \(directory) is writable by every user (mode \(String(st.st_mode & 0o777, radix: 8))); run chmod 700 \(directory)")
            }
            if st.st_uid != geteuid() && st.st_uid != 0 {
                throw StateError("state directory \(directory) belongs to another user (uid \(st.st_uid)); logwatch keeps its state only in a directory it or root owns")
            }
        }
        if lstat(directory + "/state.sqlite", &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK {
            throw StateError("state file \(directory)/state.sqlite is a symbolic link; logwatch writes its state only to a regular file")
        }
    }

    /// Takes the directory's lock for the life of the process; returns the descriptor that
    /// holds it. The lock file holds the owner's pid, for the message a second process gets.
    static func lock(_ directory: String) throws(StateError) -> Int32 {
        let lockPath = directory + "/lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StateError("state directory \(directory): cannot open \(lockPath) (\(String(cString: strerror(errno))))") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            var buffer = [UInt8](repeating: 0, count: 32)
            let n = pread(fd, &buffer, buffer.count, 0)
            let pid = n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : "?"
            close(fd)
            throw StateError("state directory \(directory) is in use by another logwatch (pid \(pid)); one process per state directory")
        }
        let pidText = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, pidText, pidText.count, 0)
        return fd
    }

}
