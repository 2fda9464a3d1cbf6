// Command newsvault keeps clean, durable, searchable copies of news articles:
// it follows feeds, archives URLs, imports and exports mirrors, and serves
// the archive over HTTP. This file wires configuration to the packages under
// internal/; it holds no archiving logic. Measuring newsvault is
// cmd/newsvault-bench's job, so that this binary holds only the product.
package main

import (
	"os"

	"github.com/newsvault/newsvault/internal/cli"
)

func main() {
	os.Exit(cli.Run("newsvault", newRootCmd()))
}
