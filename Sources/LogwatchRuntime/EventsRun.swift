import LogIngest
import LogwatchCore

/// `logwatch events`: every parsed event as one JSON object per line, to check that logwatch
/// reads a log right; the ingest summary to standard error.
public enum EventsRun {
    /// - Throws: `RunExit.failed` when an input could not be opened or was damaged, after
    ///   everything readable from every input was printed.
    public static func run(files: [String], options: IngestOptions, countOnly: Bool) throws(RunExit) {
        let out = BufferedOutput(fd: 1)
        var summary = IngestSummary()
        var failed = false
        for (index, path) in files.enumerated() {
            let reader: LogReader
            do {
                reader = try LogReader(path: path, inputIndex: Int32(index), options: options)
            } catch {
                printError("logwatch: \(TextSafety.escape(error.description))")
                summary.unreadable += 1
                failed = true
                continue
            }
            do {
                while let event = try reader.next() {
                    if !countOnly { out.append { JSONWriter.event(event, file: path, to: &$0); $0.append(0x0A) } }
                }
            } catch {
                out.flush()
                printError("logwatch: \(TextSafety.escape(error.description)); \(reader.stats.events) events before it were kept")
                summary.unreadable += 1
                failed = true
            }
            summary.add(reader)
        }
        out.flush()
        for line in summary.lines { printError(line) }
        if failed || !summary.unusable.isEmpty { throw .failed }
    }
}
