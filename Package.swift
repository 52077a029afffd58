// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "hrexport",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "hrexport", targets: ["hrexport"]),
        .library(name: "HeartRateExport", targets: ["HeartRateExport"]),
        .library(name: "Parquet", targets: ["Parquet"]),
        // The sandbox is a command (`hrexport sandbox`) and a target the tests use, not a library we publish.
    ],
    // Exact versions: Package.resolved cannot travel (these machines' package copies have other commit ids than
    // GitHub's), so the manifest itself pins what we build and test with.
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
        .package(url: "https://github.com/swift-server/async-http-client", exact: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", exact: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        // Google Takeout archives: streamed entry reads, ZIP64 for the 2/10/50 GB parts.
        .package(url: "https://github.com/weichsel/ZIPFoundation", exact: "0.9.20"),
    ],
    targets: [
        // Every C library call, behind #if canImport(Glibc) / canImport(Darwin): nothing else names either.
        .target(name: "Platform"),
        // The commit `hrexport --version` names, from a header `make` writes (see Scripts/stamp-commit.sh).
        .target(name: "CBuildInfo"),
        // zlib from the system (Debian: zlib1g-dev), so gzip members are real deflate streams. Not named CZlib:
        // ZIPFoundation ships a module of that name on Linux, and two module maps may not share it.
        .systemLibrary(
            name: "CZlibSystem",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        // The one wrapper of zlib's deflate and inflate: gzip files (raw archive, CSV months) and Parquet pages.
        .target(
            name: "Gzip",
            dependencies: ["CZlibSystem"]
        ),
        // Our own Parquet writer and reader for flat integer columns: no Swift Parquet library exists here.
        .target(
            name: "Parquet",
            dependencies: ["Gzip"]
        ),
        .target(
            name: "HeartRateExport",
            dependencies: [
                "Gzip",
                "Parquet",
                "Platform",
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
                .product(name: "Crypto", package: "swift-crypto"),
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
                "Platform",
                "CBuildInfo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "HeartRateExportTests",
            dependencies: ["HeartRateExport", "Parquet", "Gzip", "Sandbox", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "ParquetTests",
            dependencies: ["Parquet", "Gzip"]
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["HeartRateExport", "Sandbox", "Gzip", .product(name: "Crypto", package: "swift-crypto")],
            // Read by the golden test from its source folder, not bundled.
            exclude: ["Golden"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
