// Command newsvault keeps clean, durable, searchable copies of news articles:
// it follows feeds, archives URLs, imports and exports mirrors, and serves
// the archive over HTTP. This file wires configuration to the packages under
// internal/; it holds no archiving logic.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCmd().ExecuteContext(ctx)
	stop()
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintln(os.Stderr, "newsvault:", err)
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "newsvault:", err)
		os.Exit(1)
	}
}

// usageError marks errors caused by how the command was called.
type usageError struct{ error }
