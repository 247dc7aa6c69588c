package jp.phr.core.test

import org.junit.runner.JUnitCore
import kotlin.system.exitProcess

/** JUnit 4 runner whose exit status and last line CI reads: `kotlin: N passed, M failed`. */
fun main() {
    val result = JUnitCore.runClasses(BindingsTest::class.java, SharingTest::class.java, RightsTest::class.java)
    for (f in result.failures) {
        System.err.println("FAILED ${f.testHeader}: ${f.message}")
        System.err.println(f.trace.lineSequence().take(12).joinToString("\n"))
    }
    val failed = result.failureCount
    val passed = result.runCount - failed
    println("kotlin: $passed passed, $failed failed")
    exitProcess(if (failed == 0 && result.runCount > 0) 0 else 1)
}
