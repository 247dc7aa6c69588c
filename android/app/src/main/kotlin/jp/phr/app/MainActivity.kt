package jp.phr.app

import android.os.Bundle
import androidx.biometric.BiometricManager.Authenticators.BIOMETRIC_STRONG
import androidx.biometric.BiometricManager.Authenticators.DEVICE_CREDENTIAL
import androidx.biometric.BiometricPrompt
import androidx.core.content.ContextCompat
import androidx.fragment.app.FragmentActivity
import androidx.activity.compose.setContent
import androidx.activity.viewModels
import androidx.compose.material3.MaterialTheme
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue

class MainActivity : FragmentActivity() {
    private val vm: PhrViewModel by viewModels()

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        setContent {
            MaterialTheme {
                val unlocked by vm.unlocked.collectAsState()
                if (unlocked) HomeScreen(vm) else UnlockScreen(vm)
            }
        }
    }

    /**
     * Biometric unlock: the Keystore's `bio` key only works for a few seconds after the person
     * confirms here (KeystoreKeyStore), so the prompt comes first and the core unlocks after it.
     */
    fun unlockWithBiometrics() {
        val prompt = BiometricPrompt(this, ContextCompat.getMainExecutor(this), object : BiometricPrompt.AuthenticationCallback() {
            override fun onAuthenticationSucceeded(result: BiometricPrompt.AuthenticationResult) = vm.unlockWithBiometrics()
        })
        prompt.authenticate(
            BiometricPrompt.PromptInfo.Builder()
                .setTitle(getString(R.string.app_name))
                .setAllowedAuthenticators(BIOMETRIC_STRONG or DEVICE_CREDENTIAL)
                .build(),
        )
    }

    override fun onStop() {
        super.onStop()
        vm.lock() // keys are wiped whenever the app leaves the screen
    }
}
