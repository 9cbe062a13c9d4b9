/** Types of broker.mjs, for the tests' global setup. */
export function fetchClasspath(): void;
export function startBroker(name?: string, options?: { timeoutMs?: number }): Promise<string>;
export function stopBroker(name?: string): Promise<boolean>;
