package main

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/tiergate/tiergate/rules"
)

// parseDiff reads the output of git diff --raw --numstat -z: every raw
// record first, then one numstat record per raw record in the same order.
//
// With -z no path is quoted and every field ends in NUL, so paths holding
// spaces, tabs, newlines or any other byte but NUL come through verbatim.
// A raw record is ":srcmode dstmode srcsha dstsha STATUS" then one path, or
// two (old, new) for renames and copies. A numstat record is
// "added\tdeleted\tpath", or "added\tdeleted\t" then old and new path for
// renames and copies; binary files count "-".
func parseDiff(out []byte) ([]rules.ChangedFile, error) {
	fields := bytes.Split(out, []byte{0})
	if n := len(fields); n > 0 && len(fields[n-1]) == 0 {
		fields = fields[:n-1]
	}
	var files []rules.ChangedFile
	i := 0
	next := func(what string) (string, error) {
		if i >= len(fields) {
			return "", fmt.Errorf("output ends where %s was expected", what)
		}
		i++
		return string(fields[i-1]), nil
	}

	// Raw records start with ':'; numstat records start with a digit or '-',
	// so the first field that does not start with ':' ends the raw part.
	for i < len(fields) && bytes.HasPrefix(fields[i], []byte{':'}) {
		header, _ := next("a raw record")
		status, twoPaths, err := rawStatus(header)
		if err != nil {
			return nil, err
		}
		f := rules.ChangedFile{Status: status}
		if f.Path, err = next("a path"); err != nil {
			return nil, err
		}
		if twoPaths {
			f.PreviousPath = f.Path
			if f.Path, err = next("a new path"); err != nil {
				return nil, err
			}
		}
		files = append(files, f)
	}

	for k := range files {
		rec, err := next("a numstat record")
		if err != nil {
			return nil, err
		}
		parts := strings.SplitN(rec, "\t", 3)
		if len(parts) != 3 {
			return nil, fmt.Errorf("malformed numstat record %q", rec)
		}
		added, err := numstatCount(parts[0])
		if err != nil {
			return nil, err
		}
		deleted, err := numstatCount(parts[1])
		if err != nil {
			return nil, err
		}
		path, oldPath := parts[2], ""
		if path == "" { // rename or copy: old and new path follow
			if oldPath, err = next("a numstat old path"); err != nil {
				return nil, err
			}
			if path, err = next("a numstat new path"); err != nil {
				return nil, err
			}
		}
		f := &files[k]
		if path != f.Path || oldPath != f.PreviousPath {
			return nil, fmt.Errorf("numstat record %d names %q, raw record names %q", k+1, path, f.Path)
		}
		f.Additions, f.Deletions = added, deleted
	}
	if i != len(fields) {
		return nil, fmt.Errorf("unexpected trailing field %q", fields[i])
	}
	return files, nil
}

// rawStatus maps the status of a raw record header to GitHub's name and
// says whether two paths follow.
func rawStatus(header string) (rules.FileStatus, bool, error) {
	fs := strings.Fields(header)
	if len(fs) != 5 || fs[4] == "" {
		return "", false, fmt.Errorf("malformed raw record %q", header)
	}
	switch fs[4][0] {
	case 'A':
		return rules.FileAdded, false, nil
	case 'D':
		return rules.FileRemoved, false, nil
	case 'M':
		return rules.FileModified, false, nil
	case 'T': // type change, such as a file becoming a symlink
		return rules.FileChanged, false, nil
	case 'R':
		return rules.FileRenamed, true, nil
	case 'C':
		return rules.FileCopied, true, nil
	}
	// U (unmerged) and X (unknown) cannot describe a commit-to-commit diff.
	return "", false, fmt.Errorf("unexpected file status %q in raw record %q", fs[4], header)
}

// numstatCount reads a line count; "-" marks a binary file, which has no
// lines to count.
func numstatCount(s string) (int, error) {
	if s == "-" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("malformed line count %q in numstat record", s)
	}
	return n, nil
}
