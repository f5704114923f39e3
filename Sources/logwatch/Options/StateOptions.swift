import ArgumentParser

/// Where the state that outlives a process is kept.
struct StateOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The state directory: file checkpoints, learned baselines and networks, alert history. Default: $XDG_STATE_HOME/logwatch, else ~/.local/state/logwatch.", valueName: "dir"))
    var stateDir: String?

    @Flag(help: "Delete the saved state and start over.")
    var resetState = false
}
