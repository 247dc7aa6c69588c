package jp.phr.app

import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.activity.viewModels
import androidx.compose.material3.MaterialTheme
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue

class MainActivity : ComponentActivity() {
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

    override fun onStop() {
        super.onStop()
        vm.lock() // keys are wiped whenever the app leaves the screen
    }
}
