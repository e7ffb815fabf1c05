package suite

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/portcullis-dev/portcullis/engine/load"
)

// ErrNoSuites means none of the paths holds a Suite file.
var ErrNoSuites = errors.New("no Suite files found")

// ErrNotASuite means a file named explicitly is not a Suite.
var ErrNotASuite = errors.New("not a Suite (want apiVersion test.gatekeeper.sh/v1alpha1, kind Suite)")

// recursiveSuffix marks a path whose whole tree is searched, as in `go test`.
const recursiveSuffix = "..."

// Find reads the suites the paths name. A path is a Suite file, a directory
// (its own .yaml/.yml Suite files) or DIR/... (every Suite file below DIR).
// Suites come back in path order, each path's suites sorted, without
// duplicates.
func Find(paths []string) ([]*Suite, error) {
	seen := map[string]bool{}
	var suites []*Suite
	for _, p := range paths {
		files, explicit, err := suiteCandidates(p)
		if err != nil {
			return nil, err
		}
		for _, file := range files {
			if seen[file] {
				continue
			}
			seen[file] = true
			s, err := readSuite(file)
			if err != nil && (explicit || mentionsSuite(file)) {
				return nil, err
			}
			if s == nil && explicit {
				return nil, fmt.Errorf("%s: %w", file, ErrNotASuite)
			}
			if s != nil {
				suites = append(suites, s)
			}
		}
	}
	if len(suites) == 0 {
		return nil, fmt.Errorf("%w in %s", ErrNoSuites, strings.Join(paths, " "))
	}
	return suites, nil
}

// mentionsSuite reports whether a file names the Suite API group, so that
// a YAML error in it is worth reporting while searching directories; other
// unreadable files (Helm templates, say) are skipped.
func mentionsSuite(file string) bool {
	b, err := os.ReadFile(file)
	return err == nil && bytes.Contains(b, []byte(Group))
}

// suiteCandidates lists the YAML files a path stands for; explicit is true
// when the path is a single file.
func suiteCandidates(p string) (files []string, explicit bool, err error) {
	if root, ok := strings.CutSuffix(p, recursiveSuffix); ok {
		root = strings.TrimSuffix(root, string(filepath.Separator))
		if root == "" {
			root = "."
		}
		files, err = walkSuiteFiles(root)
		return files, false, err
	}
	info, err := os.Stat(p)
	if err != nil {
		return nil, false, fmt.Errorf("finding suites: %w", err)
	}
	if !info.IsDir() {
		if !isSuiteFile(p) {
			return nil, false, fmt.Errorf("%s: suite files must end in .yaml or .yml", p)
		}
		return []string{p}, true, nil
	}
	entries, err := os.ReadDir(p)
	if err != nil {
		return nil, false, fmt.Errorf("finding suites: %w", err)
	}
	for _, e := range entries {
		if !e.IsDir() && isSuiteFile(e.Name()) {
			files = append(files, filepath.Join(p, e.Name()))
		}
	}
	return files, false, nil
}

func walkSuiteFiles(root string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && isSuiteFile(path) {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("finding suites: %w", err)
	}
	sort.Strings(files)
	return files, nil
}

// isSuiteFile reports whether a file may hold a Suite: gator reads only
// .yaml and .yml files.
func isSuiteFile(name string) bool {
	ext := filepath.Ext(name)
	return ext == ".yaml" || ext == ".yml"
}

// readSuite parses file when its first document is a Suite; it returns nil
// for any other YAML file.
func readSuite(file string) (*Suite, error) {
	docs, err := load.ReadFile(file)
	if err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		return nil, nil
	}
	doc := docs[0]
	group, kind := load.GroupKind(doc.Object)
	if group != Group || kind != Kind {
		return nil, nil
	}
	if err := checkSuite(&doc); err != nil {
		return nil, err
	}
	s, err := parseSuite(doc.Object)
	if err != nil {
		return nil, doc.Wrap(err)
	}
	s.Path = file
	return s, nil
}

// parseSuite converts a Suite document to its Go form.
func parseSuite(obj map[string]any) (*Suite, error) {
	raw, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encoding suite: %w", err)
	}
	var s Suite
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("invalid suite: %w", err)
	}
	return &s, nil
}
