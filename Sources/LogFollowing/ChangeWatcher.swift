#if canImport(Glibc)
import Glibc
#endif

/// Wakes a follower when something changes in the directories it watches (inotify). Only a
/// wake-up: what changed is found by looking again, so a lost or merged event costs nothing
/// but a poll interval, and without inotify polling alone still works.
public final class ChangeWatcher {
    /// The descriptor to wait on, nil when inotify is not available.
    public let descriptor: Int32?
    /// Directories that could not be watched (they are polled).
    public private(set) var unwatched: [String] = []

    public init(directories: [String]) {
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else {
            descriptor = nil
            unwatched = directories
            return
        }
        let mask = UInt32(IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CLOSE_WRITE | IN_ATTRIB)
        for dir in directories where inotify_add_watch(fd, dir, mask) < 0 { unwatched.append(dir) }
        descriptor = fd
    }

    deinit {
        if let descriptor { close(descriptor) }
    }

    /// Reads and discards the pending notifications.
    public func drain() {
        guard let fd = descriptor else { return }
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while buffer.withUnsafeMutableBytes({ read(fd, $0.baseAddress, $0.count) }) > 0 {}
    }
}
