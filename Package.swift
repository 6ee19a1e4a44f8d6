// swift-tools-version:6.2
import PackageDescription

// Layering: pure modules (HTTP1, JSON, WithingsAPI) do no I/O; I/O modules
// (Reactor, HTTPServer, HTTPClient, TokenStore) build on them, never the
// reverse. Gateway wires everything; the executables are thin.
let package = Package(
    name: "withings-gateway",
    products: [
        .executable(name: "withings-gateway", targets: ["withings-gateway"]),
        .executable(name: "withings-sim", targets: ["withings-sim"]),
        .executable(name: "FuzzHTTP1", targets: ["FuzzHTTP1"]),
        .library(name: "HTTP1", targets: ["HTTP1"]),
        .library(name: "HTTPServer", targets: ["HTTPServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // C shims
        .target(name: "CLinux"),
        .target(name: "CFuzzDriver"),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),

        // Pure modules
        .target(name: "HTTP1"),
        .target(name: "JSON"),
        .target(name: "WithingsAPI", dependencies: ["JSON", "Crypto", "HTTP1"]),

        // Wrappers over C libraries
        .target(name: "Crypto", dependencies: ["COpenSSL"]),
        .target(name: "Compression", dependencies: ["CZlib"]),
        .target(name: "TLS", dependencies: ["COpenSSL"]),

        // I/O
        .target(name: "Reactor", dependencies: ["CLinux", .product(name: "Logging", package: "swift-log")]),
        .target(
            name: "HTTPServer",
            dependencies: ["Reactor", "HTTP1", "Compression", "TLS", "JSON", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "HTTPClient",
            dependencies: ["Reactor", "HTTP1", "TLS", "Compression", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "TokenStore",
            dependencies: ["CSQLite", "CLibPQ", "Crypto", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "WithingsSim",
            dependencies: [
                "WithingsAPI", "JSON", "Crypto", "HTTP1", "HTTPServer",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Gateway",
            dependencies: [
                "HTTPServer", "HTTPClient", "WithingsAPI", "TokenStore", "WithingsSim", "JSON", "Crypto",
                "Compression",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),

        // Executables
        .executableTarget(
            name: "withings-gateway",
            dependencies: [
                "Gateway",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "withings-sim",
            dependencies: [
                "WithingsSim", "HTTPServer", "Reactor", "TLS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(name: "FuzzHTTP1", dependencies: ["HTTP1", "CFuzzDriver"]),

        // Tests: one target per module, plus end-to-end tests over the binaries.
        .testTarget(name: "HTTP1Tests", dependencies: ["HTTP1"]),
        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "CryptoTests", dependencies: ["Crypto"]),
        .testTarget(name: "CompressionTests", dependencies: ["Compression"]),
        // Throw-away certificates for the tests that speak TLS.
        .target(name: "TestCertificates", path: "Tests/TestCertificates"),
        .testTarget(name: "TLSTests", dependencies: ["TLS", "Crypto", "TestCertificates"]),
        .testTarget(name: "ReactorTests", dependencies: ["Reactor"]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "HTTP1", "Compression", "TLS", "TestCertificates"]),
        .testTarget(name: "HTTPClientTests", dependencies: ["HTTPClient", "HTTPServer", "TLS", "TestCertificates"]),
        .testTarget(name: "WithingsAPITests", dependencies: ["WithingsAPI", "JSON"]),
        .testTarget(name: "TokenStoreTests", dependencies: ["TokenStore", "Crypto"]),
        .testTarget(
            name: "WithingsSimTests",
            dependencies: [
                "WithingsSim", "WithingsAPI", "JSON", "HTTP1", "HTTPServer", "Crypto",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "GatewayTests", dependencies: ["Gateway", "WithingsSim", "JSON"]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "JSON", "HTTP1", "HTTPServer", "HTTPClient", "Reactor", "TLS", "Compression",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ]
)

for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    target.swiftSettings = settings
}
