// swift-tools-version:5.9
// PHRCore: the generated Swift bindings of PHR Core (scripts/gen-bindings.sh) plus a small
// Swifty layer (PHRClient). The Rust library is the C module `PHRCoreFFI`:
// - on Apple platforms, the XCFramework built by scripts/build-ios.sh (static libphr_ffi.a for
//   device, simulator arm64 and x86_64, with the headers and module map);
// - on Linux (the binding tests, scripts/test-swift.sh), a system-library target whose module
//   map links the host-built libphr_ffi.so (pass -L/-rpath to `swift test`).
import PackageDescription

#if os(Linux)
let ffi: Target = .systemLibrary(name: "PHRCoreFFI", path: "Sources/PHRCoreFFI")
#else
let ffi: Target = .binaryTarget(name: "PHRCoreFFI", path: "PHRCoreFFI.xcframework")
#endif

let package = Package(
    name: "PHRCore",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "PHRCore", targets: ["PHRCore"]),
    ],
    targets: [
        ffi,
        .target(name: "PHRCore", dependencies: ["PHRCoreFFI"], path: "Sources/PHRCore"),
        .testTarget(name: "PHRCoreTests", dependencies: ["PHRCore"], path: "Tests/PHRCoreTests"),
    ]
)
