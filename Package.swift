// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "hrexport",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "hrexport", targets: ["hrexport"]),
        .library(name: "HeartRateExport", targets: ["HeartRateExport"]),
        .library(name: "Sandbox", targets: ["Sandbox"]),
        .library(name: "Parquet", targets: ["Parquet"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // Google Takeout archives: streamed entry reads, ZIP64 for the 2/10/50 GB parts.
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        // zlib from the system (Debian: zlib1g-dev), so gzip members are real deflate streams. Not named CZlib:
        // ZIPFoundation ships a module of that name on Linux, and two module maps may not share it.
        .systemLibrary(
            name: "CZlibSystem",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // Our own Parquet writer and reader for flat integer columns: no Swift Parquet library exists here.
        .target(
            name: "Parquet",
            dependencies: ["CZlibSystem"]
        ),
        .target(
            name: "HeartRateExport",
            dependencies: [
                "CZlibSystem",
                "Parquet",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
        .target(
            name: "Sandbox",
            dependencies: [
                "HeartRateExport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "hrexport",
            dependencies: [
                "HeartRateExport",
                "Sandbox",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "HeartRateExportTests",
            dependencies: ["HeartRateExport", "Parquet", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "ParquetTests",
            dependencies: ["Parquet"]
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["HeartRateExport", "Sandbox"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
