// swift-tools-version: 6.1
// Benchmarks live in a package of their own so that building logwatch does not build the
// benchmark harness. Run them from this directory: swift package benchmark
import PackageDescription

let package = Package(
    name: "logwatch-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "logwatch", path: ".."),
        .package(url: "https://github.com/ordo-one/package-benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "Pipeline",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "LogIngest", package: "logwatch"),
                .product(name: "AnomalyEngine", package: "logwatch"), .product(name: "LogwatchCore", package: "logwatch"),
            ],
            path: "Benchmarks/Pipeline",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
