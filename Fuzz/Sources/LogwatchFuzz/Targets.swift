import AnomalyEngine
import LogwatchCore
import LogIngest
import LogwatchConfig

#if canImport(Glibc)
import Glibc
#endif

/// Which code one fuzzing run exercises, chosen by LOGWATCH_FUZZ_TARGET.
enum FuzzTarget: String, CaseIterable {
    case detect, combined, json, csv, w3c, xml, document, zstd, gzip, config, snapshot

    /// Runs one input through the target. Any crash, hang, leak or sanitizer report is a bug;
    /// errors thrown for bad input are expected and fine.
    func run(_ bytes: [UInt8]) {
        switch self {
        case .detect: read(bytes, format: .auto)
        case .combined: read(bytes, format: .combined)
        case .json: read(bytes, format: .json)
        case .csv: read(bytes, format: .servicenowCSV)
        case .w3c: read(bytes, format: .w3c)
        case .xml: read(bytes, format: .servicenowXML)
        // A JSON document of records, as the ServiceNow Table API writes one.
        case .document: read(Array(#"{"result":["#.utf8) + bytes, format: .json)
        // Fuzz the decoders behind their real magic bytes, so every input reaches them.
        case .zstd: decode([0x28, 0xB5, 0x2F, 0xFD] + bytes)
        case .gzip: decode([0x1F, 0x8B] + bytes)
        case .config:
            // Any text: either a configuration or a ConfigError, never a crash.
            _ = try? ConfigFile(file: "fuzz.yml").parse(String(decoding: bytes, as: UTF8.self))
        case .snapshot:
            // Saved engine states, as the state directory holds them: the state after reading
            // the input as a log with one byte changed where the input's hash says (nearly
            // valid states reach deep), then the input itself as a state.
            var state = read(bytes, format: .combined).snapshot()
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
            state[Int(h % UInt64(state.count))] ^= UInt8(truncatingIfNeeded: h >> 32) | 1
            restoreAndRun(state)
            restoreAndRun(bytes)
        }
    }

    /// A state either is refused with an error or gives an engine that runs.
    private func restoreAndRun(_ state: [UInt8]) {
        let engine = Engine()
        guard (try? engine.restore(state)) != nil else { return }
        var alerts: [Alert] = []
        let base = engine.newestTime ?? 1_764_324_000_000
        for i in 0..<30 {
            engine.process(TransactionEvent(time: base + Int64(i) * 1000, sourceIP: IPAddress(ipv4: 0xC000_0209), principal: "svc_\(i % 3)",
                                            outcome: i % 2 == 0 ? .authFailure : .success), into: &alerts)
        }
        engine.advance(to: base + 3_600_000, into: &alerts)
        engine.finish(into: &alerts)
        _ = engine.snapshot()
    }

    @discardableResult
    private func read(_ bytes: [UInt8], format: LogFormat) -> Engine {
        var options = IngestOptions()
        options.format = format
        options.maxLineBytes = 4096
        let engine = Engine()
        guard let reader = try? LogReader(bytes: bytes, name: "fuzz", options: options) else { return engine }
        var alerts: [Alert] = []
        while true {
            guard let event = (try? reader.next()) ?? nil else { break }
            // Every event must be well-formed enough for the engine and for output.
            engine.process(event, into: &alerts)
            _ = event.sourceIP?.description
            _ = EventTime.rfc3339(event.time)
        }
        engine.finish(into: &alerts)
        return engine
    }

    private func decode(_ bytes: [UInt8]) {
        guard let input = try? DecodedInput(bytes: bytes, name: "fuzz") else { return }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        var total = 0
        while let n = try? input.read(into: buffer), n > 0 {
            total += n
            // A decompression bomb is streamed, never held: stop counting past 64 MiB.
            if total > 64 << 20 { break }
        }
    }
}

nonisolated(unsafe) var selectedTarget = FuzzTarget.detect

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    selectedTarget.run(bytes)
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// SwiftPM links an executable's entry point as `<Module>_main`; hand control to libFuzzer.
@_cdecl("LogwatchFuzz_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    let name = getenv("LOGWATCH_FUZZ_TARGET").map { String(cString: $0) } ?? "detect"
    guard let target = FuzzTarget(rawValue: name) else {
        print("LOGWATCH_FUZZ_TARGET must be one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))")
        return 2
    }
    selectedTarget = target
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, fuzzOne)
}
