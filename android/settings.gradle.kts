// PHR Core for Android: `:phr` (generated UniFFI bindings + PhrClient) and `:app` (Compose UI, thin).
// Needs the Android SDK and Gradle's repositories; these files are not built on the CI machine
// (no Gradle downloads there). The JVM tests of `:phr`'s Kotlin run with scripts/test-kotlin.sh.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}
dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}
rootProject.name = "phr-android"
include(":phr", ":app")
