package phr.smoke

import com.sun.jna.Library
import com.sun.jna.Native
import kotlinx.coroutines.delay

/** A suspend function, as UniFFI generates for async Rust exports. */
suspend fun doubledLater(x: Int): Int {
    delay(1)
    return x * 2
}

/** JNA view of tests/toolchains/native/phr_smoke_add.c (a stand-in for libphr_ffi.so). */
interface PhrSmokeAdd : Library {
    fun add(a: Int, b: Int): Int

    companion object {
        /** Found through -Djna.library.path, as the UniFFI bindings find libphr_ffi.so. */
        val INSTANCE: PhrSmokeAdd by lazy { Native.load("phr_smoke_add", PhrSmokeAdd::class.java) }
    }
}
