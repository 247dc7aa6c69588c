// The thin Android app (Jetpack Compose). Every rule, format and threshold comes from `:phr`.
plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
    id("org.jetbrains.kotlin.plugin.compose")
}

android {
    namespace = "jp.phr.app"
    compileSdk = 35
    defaultConfig {
        applicationId = "jp.phr.app"
        minSdk = 26
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
    }
    buildFeatures { compose = true }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    kotlinOptions { jvmTarget = "17" }
    sourceSets["main"].assets.srcDir(layout.buildDirectory.dir("generated/profile"))
}

// The operator profile the municipality ships with its app (here the sample one the core's
// tests use), copied as assets/operator_profile.json; the core validates it at unlock.
val operatorProfile = providers.gradleProperty("phr.operatorProfile")
    .orElse(rootProject.file("../core/profiles/municipality-sample.json").path)
val copyOperatorProfile by tasks.registering(Copy::class) {
    from(operatorProfile) { rename { "operator_profile.json" } }
    into(layout.buildDirectory.dir("generated/profile"))
}
tasks.named("preBuild") { dependsOn(copyOperatorProfile) }

dependencies {
    implementation(project(":phr"))
    implementation(platform("androidx.compose:compose-bom:2024.12.01"))
    implementation("androidx.compose.material3:material3")
    implementation("androidx.compose.ui:ui")
    implementation("androidx.activity:activity-compose:1.9.3")
    implementation("androidx.lifecycle:lifecycle-viewmodel-compose:2.8.7")
    implementation("androidx.biometric:biometric:1.1.0")
    implementation("androidx.core:core-ktx:1.15.0")
}
