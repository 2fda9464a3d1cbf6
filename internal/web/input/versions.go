package input

import "strconv"

// VersionPair reads the from and to version numbers of a diff of an
// article with n versions, as typed (empty means the one before the
// latest and the latest); msg says what is wrong with them.
func VersionPair(fromText, toText string, n int) (from, to int, msg string) {
	if n == 0 {
		return 0, 0, "the article has no versions"
	}
	from, to = max(n-1, 1), n
	for _, p := range []struct {
		name, text string
		dst        *int
	}{{"from", fromText, &from}, {"to", toText, &to}} {
		if p.text == "" {
			continue
		}
		v, err := strconv.Atoi(p.text)
		if err != nil || v < 1 || v > n {
			return 0, 0, p.name + " must be a version number from 1 to " + strconv.Itoa(n)
		}
		*p.dst = v
	}
	return from, to, ""
}
