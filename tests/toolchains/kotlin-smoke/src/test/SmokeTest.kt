package phr.smoke

import com.sun.jna.Native
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import kotlinx.coroutines.runBlocking
import org.junit.Test

class SmokeTest {
    @Test
    fun suspendFunctionRunsUnderRunBlocking() = runBlocking {
        assertEquals(42, doubledLater(21))
    }

    @Test
    fun jnaLoadsItsNativeDispatchLibrary() {
        assertTrue(Native.POINTER_SIZE == 8, "64-bit JVM expected, got pointer size ${Native.POINTER_SIZE}")
    }

    @Test
    fun jnaCallsTheHostBuiltSharedLibrary() {
        assertEquals(5, PhrSmokeAdd.INSTANCE.add(2, 3))
    }

    /** Fails on purpose when PHR_SMOKE_EXPECT_FAILURE=1, so the runner can prove that a
     *  failing assertion makes the test runner exit non-zero. */
    @Test
    fun deliberateFailureWhenRequested() {
        if (System.getenv("PHR_SMOKE_EXPECT_FAILURE") == "1") {
            assertEquals(5, PhrSmokeAdd.INSTANCE.add(2, 2), "deliberate failure (PHR_SMOKE_EXPECT_FAILURE=1)")
        }
    }
}
