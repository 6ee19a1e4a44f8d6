// swift-tools-version:6.2
import PackageDescription

// A small server on the project's HTTPServer, for scripts/bench only: it
// is not a route of the product.
let package = Package(
    name: "Benchmarks",
    dependencies: [
        .package(name: "withings-gateway", path: ".."),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .executableTarget(
            name: "bench-server",
            dependencies: [
                .product(name: "HTTPServer", package: "withings-gateway"),
                .product(name: "HTTP1", package: "withings-gateway"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        )
    ]
)
