// Package load reads Kubernetes-style YAML and JSON documents from files,
// directories and streams, keeping the file, document index and line of each
// so that errors can point at their source.
package load

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Stdin is the path that stands for standard input in ReadPaths.
const Stdin = "-"

// Document is one YAML or JSON document, decoded into the unstructured form
// that encoding/json would produce (map[string]any, []any, string, int64,
// float64, bool, nil).
type Document struct {
	// File is the path the document was read from ("-" for stdin).
	File string
	// Index is the 1-based position of the document within its file.
	Index int
	// Item is the 1-based position of the object in the items of a List
	// document (kind List or *List), or 0 for a document of its own.
	Item int
	// Line is the 1-based line on which the document starts.
	Line int
	// Object is the decoded document.
	Object map[string]any

	root *yamlNode
}

// Error locates a problem in a file, and in a document when known.
type Error struct {
	File  string
	Index int // 0 when the problem is not in one document
	Item  int // 0 unless the problem is in an item of a List
	Line  int // 0 when unknown
	Err   error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Index > 0 {
		fmt.Fprintf(&b, ": document %d", e.Index)
	}
	if e.Item > 0 {
		fmt.Fprintf(&b, " item %d", e.Item)
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, " (line %d)", e.Line)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error that locates the document d, wrapping the
// formatted error.
func (d *Document) Errorf(format string, args ...any) error {
	return &Error{File: d.File, Index: d.Index, Item: d.Item, Line: d.Line, Err: fmt.Errorf(format, args...)}
}

// Wrap returns an *Error that locates err at the document d. It returns nil
// when err is nil.
func (d *Document) Wrap(err error) error {
	if err == nil {
		return nil
	}
	return &Error{File: d.File, Index: d.Index, Item: d.Item, Line: d.Line, Err: err}
}

// IsYAMLFile reports whether name has an extension this package reads from
// directories: .yaml, .yml or .json.
func IsYAMLFile(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// ReadFile reads every document of one file.
func ReadFile(path string) ([]Document, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading documents: %w", err)
	}
	defer f.Close()
	return Read(f, path)
}

// ReadPaths reads every document found at the given paths. A path may be a
// file (read whatever its extension), a directory (walked recursively, reading
// only .yaml, .yml and .json files, in lexical order) or "-" for stdin.
func ReadPaths(paths []string, stdin io.Reader) ([]Document, error) {
	var docs []Document
	for _, p := range paths {
		files, err := expand(p)
		if err != nil {
			return nil, err
		}
		for _, file := range files {
			var d []Document
			if file == Stdin {
				d, err = Read(stdin, Stdin)
			} else {
				d, err = ReadFile(file)
			}
			if err != nil {
				return nil, err
			}
			docs = append(docs, d...)
		}
	}
	return docs, nil
}

// expand lists the files a path stands for.
func expand(p string) ([]string, error) {
	if p == Stdin {
		return []string{Stdin}, nil
	}
	info, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("reading documents: %w", err)
	}
	if !info.IsDir() {
		return []string{p}, nil
	}
	return WalkYAML(p)
}

// WalkYAML lists, in lexical order, every .yaml, .yml and .json file under
// dir, recursively.
func WalkYAML(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && IsYAMLFile(path) {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walking %s: %w", dir, err)
	}
	sort.Strings(files)
	return files, nil
}

// ErrNotAnObject means a document is a list or a scalar, not a mapping.
var ErrNotAnObject = errors.New("document is not an object")
