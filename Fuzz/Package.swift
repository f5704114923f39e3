// swift-tools-version: 6.1
// libFuzzer targets for logwatch's parsers and decoders, in a package of their own (they need
// sanitizer flags). Build and run them with Fuzz/run.sh.
import PackageDescription

let package = Package(
    name: "logwatch-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "logwatch", path: "..")],
    targets: [
        .executableTarget(
            name: "LogwatchFuzz",
            dependencies: [
                .product(name: "LogIngest", package: "logwatch"), .product(name: "AnomalyEngine", package: "logwatch"), .product(name: "LogwatchCore", package: "logwatch"),
                .product(name: "LogwatchConfig", package: "logwatch"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
