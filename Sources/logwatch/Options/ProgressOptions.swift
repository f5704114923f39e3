import ArgumentParser

/// `--progress` / `--no-progress`, for the commands that read archives.
struct ProgressOptions: ParsableArguments {
    @Flag(inversion: .prefixedNo, help: "Show progress on standard error (default: when it is a terminal).")
    var progress: Bool?
}
