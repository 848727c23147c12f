//go:build unix

package torture

// signalsSupported is true: the harness can kill and terminate the server.
const signalsSupported = true
