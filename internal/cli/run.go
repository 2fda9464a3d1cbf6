package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// Run executes root until it returns or the process is interrupted (the
// context its verbs get ends on SIGINT or SIGTERM), prints an error as
// "name: error" on standard error, and returns the exit status: 0, 2 for a
// UsageError, 1 for any other error.
func Run(name string, root *cobra.Command) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := root.ExecuteContext(ctx)
	stop()
	if err == nil {
		return 0
	}
	fmt.Fprintln(os.Stderr, name+":", err)
	var ue UsageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}
