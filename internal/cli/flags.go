package cli

import (
	"net/netip"
	"strings"
	"time"

	"github.com/newsvault/newsvault/internal/fetch"
)

// netsFlag is the --allow-net flag. Each use adds ranges (one use may list
// several, comma-separated). NEWSVAULT_ALLOW_NETS is read only when the
// flag is not given (see LoadEnv).
type netsFlag struct {
	nets *[]netip.Prefix
}

func newNetsFlag(nets *[]netip.Prefix) *netsFlag {
	return &netsFlag{nets: nets}
}

func (f *netsFlag) Set(s string) error {
	nets, err := fetch.ParseNets(s)
	if err != nil {
		return err
	}
	*f.nets = append(*f.nets, nets...)
	return nil
}

func (f *netsFlag) String() string {
	s := make([]string, len(*f.nets))
	for i, p := range *f.nets {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}

func (f *netsFlag) Type() string { return "CIDR" }

// unlimited maps a flag's 0, which means "unlimited" or "none", to the
// negative value that means so in fetch.Config, where 0 means "default".
func unlimited[T int | float64 | time.Duration](v T) T {
	if v == 0 {
		return -1
	}
	return v
}
