// swift-tools-version:5.9
// Toolchain smoke test: a library over a host-built C shared library (as libphr_ffi.so
// will be used) and an XCTest target. Run by scripts/toolchains/swift-smoke.sh.
import PackageDescription

let package = Package(
    name: "PhrSwiftSmoke",
    products: [
        .library(name: "PhrSwiftSmoke", targets: ["PhrSwiftSmoke"]),
    ],
    targets: [
        // Module map only: header + `link "phr_smoke_add"`. The library search path
        // and rpath come from the command line (-Xlinker -L/-rpath).
        .systemLibrary(name: "CPhrSmokeAdd", path: "Sources/CPhrSmokeAdd"),
        .target(name: "PhrSwiftSmoke", dependencies: ["CPhrSmokeAdd"]),
        .testTarget(name: "PhrSwiftSmokeTests", dependencies: ["PhrSwiftSmoke"]),
    ]
)
