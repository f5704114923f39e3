import Alerting
import LogwatchRuntime

extension SessionSettings {
    /// The settings that `scan` and `tail` take alike, from their option groups.
    init(config: String?, input: InputOptions, output: AlertFormat, state: StateOptions, sinks: SinkOptions) throws {
        self.init()
        configPath = config
        ingest = try input.ingestOptions()
        self.output = output
        stateDirectory = state.stateDir
        resetState = state.resetState
        commandLineSinks = sinks.commandLineSinks
        caFile = sinks.caFile
    }
}
