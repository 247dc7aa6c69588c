// The PHR Core Android library: generated Kotlin bindings (src/main/kotlin/jp/phr/core, written
// by scripts/gen-bindings.sh — do not edit) + the idiomatic layer (jp.phr.core.client), and the
// native libphr_ffi.so for each ABI, built by scripts/build-android.sh into src/main/jniLibs.
plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
}

android {
    namespace = "jp.phr.core"
    compileSdk = 35
    defaultConfig {
        minSdk = 26
        consumerProguardFiles("consumer-rules.pro")
    }
    sourceSets["main"].jniLibs.srcDirs("src/main/jniLibs")
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    kotlinOptions { jvmTarget = "17" }
}

dependencies {
    // UniFFI's Kotlin talks to the native library through JNA (the AAR ships its Android natives).
    implementation("net.java.dev.jna:jna:5.13.0@aar")
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.9.0")
    testImplementation("junit:junit:4.13.2")
}
