/**
 * JUnit 5 support for the provider simulator: {@link dev.llmguard.test.junit.ProviderSimulatorExtension}
 * and {@link dev.llmguard.test.junit.EnableProviderSimulator}.
 */
package dev.llmguard.test.junit;
