package policy

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"go.yaml.in/yaml/v4"
)

// ruleFields are the keys a rule may have.
var ruleFields = []string{"verbs", "request", "channels", "second_approval_over", "approve"}

// MaxFileSize bounds a policy file: a real one is a few kilobytes, and a
// reload must not read whatever a mistaken path points at (a log, a
// device) into memory.
const MaxFileSize = 1 << 20

// Load reads and checks the policy file at path; see Parse.
func Load(path string, knownVerbs []string) (*Policy, error) {
	data, err := ReadFile(path)
	if err != nil {
		return nil, &Error{File: path, Msg: err.Error()}
	}
	return Parse(path, data, knownVerbs)
}

// ReadFile reads at most MaxFileSize bytes of the file at path; a larger
// file is an error that says so.
func ReadFile(path string) ([]byte, error) {
	// O_NONBLOCK: opening a FIFO for reading must not wait for a writer.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("cannot read the policy file: %v", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("cannot read the policy file: it is not a regular file (a FIFO, a device or a directory?)")
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read the policy file: %v", err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("the policy file is larger than %d KiB; a policy is a few rules (is the path right?)", MaxFileSize>>10)
	}
	return data, nil
}

// Parse checks a policy file's contents; name is used in messages. Every
// verb must be "*" or one of knownVerbs (an empty knownVerbs skips that
// check). The error, if any, joins one *Error per problem found.
func Parse(name string, data []byte, knownVerbs []string) (*Policy, error) {
	p := &parser{file: name, known: knownVerbs}
	var doc yaml.Node
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, &Error{File: name, Msg: "the policy file is empty; it needs a rules: list"}
		}
		return nil, p.syntax(err, data)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		if err != nil {
			return nil, p.syntax(err, data)
		}
		return nil, &Error{File: name, Line: extra.Line, Msg: "a second YAML document (---): a policy file holds one"}
	}
	pol := &Policy{File: name, Rules: p.top(&doc), verbs: knownVerbs}
	if len(p.errs) > 0 {
		return nil, errors.Join(p.errs...)
	}
	return pol, nil
}

// parser collects every problem instead of stopping at the first.
type parser struct {
	file  string
	known []string
	errs  []error
}

func (p *parser) errorf(n *yaml.Node, format string, args ...any) {
	p.errs = append(p.errs, &Error{File: p.file, Line: n.Line, Msg: fmt.Sprintf(format, args...)})
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntax turns the YAML library's error into an *Error with the line where
// the parser gave up, and where the construct it was reading began.
func (p *parser) syntax(err error, data []byte) error {
	msg, line := err.Error(), 0
	var le *yaml.LoadError
	if errors.As(err, &le) {
		msg, line = le.Message, le.Mark.Line
		if le.ContextMsg != "" && le.ContextMark.Line > 0 && le.ContextMark.Line != line {
			msg += fmt.Sprintf(" (%s that starts on line %d)", strings.TrimPrefix(strings.TrimPrefix(le.ContextMsg, "while parsing "), "while scanning "), le.ContextMark.Line)
		}
	} else if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	msg = "not valid YAML: " + strings.TrimPrefix(msg, "yaml: ")
	if strings.Contains(msg, "alphabetic or numeric character") || strings.Contains(msg, "alias") {
		msg += ` (write "*" in quotes: a bare * starts a YAML alias)`
	}
	if lines := strings.Split(string(data), "\n"); line > 0 && line <= len(lines) && strings.HasPrefix(lines[line-1], "\t") {
		msg += " (indent with spaces: YAML does not allow tabs)"
	}
	return &Error{File: p.file, Line: line, Msg: msg}
}

// deref follows aliases so that anchors in a policy file work.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// fields walks a mapping, reporting duplicate keys, and calls f per entry.
func (p *parser) fields(n *yaml.Node, f func(key string, k, v *yaml.Node)) {
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], deref(n.Content[i+1])
		if seen[k.Value] {
			p.errorf(k, "%s is given twice", k.Value)
			continue
		}
		seen[k.Value] = true
		f(k.Value, k, v)
	}
}

func (p *parser) top(doc *yaml.Node) []*Rule {
	root := deref(doc)
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = deref(root.Content[0])
	}
	if root.Kind != yaml.MappingNode {
		p.errorf(root, "the policy file must be a mapping with a rules: list")
		return nil
	}
	var rules []*Rule
	found := false
	p.fields(root, func(key string, k, v *yaml.Node) {
		if key != "rules" {
			p.errorf(k, "unknown field %q (the file has one field: rules)", key)
			return
		}
		found = true
		if v.Kind != yaml.SequenceNode {
			p.errorf(v, "rules must be a list of rules (each starting with \"- verbs:\")")
			return
		}
		if len(v.Content) == 0 {
			p.errorf(v, "rules is empty: every request would be refused")
		}
		for i, item := range v.Content {
			if r := p.rule(i, deref(item)); r != nil {
				rules = append(rules, r)
			}
		}
	})
	if !found {
		p.errorf(root, "no rules: list")
	}
	return rules
}

func (p *parser) rule(i int, n *yaml.Node) *Rule {
	r := &Rule{Index: i, File: p.file, Line: n.Line, SecondApprovalOver: -1}
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "rule %d must be a mapping with verbs: and request:", i+1)
		return nil
	}
	var threshold, approve *yaml.Node
	has := map[string]bool{}
	p.fields(n, func(key string, k, v *yaml.Node) {
		has[key] = true
		switch key {
		case "verbs":
			for _, s := range p.strings(i, key, v) {
				if s.Value != "*" && len(p.known) > 0 && !slices.Contains(p.known, s.Value) {
					p.errorf(s, "rule %d: unknown verb %q (known verbs: %s, or \"*\")", i+1, s.Value, strings.Join(p.known, ", "))
					continue
				}
				r.Verbs = append(r.Verbs, s.Value)
			}
		case "request":
			r.Request = p.principals(i, key, v)
		case "channels":
			r.Channels = []Channel{}
			for _, s := range p.strings(i, key, v) {
				c, err := ParseChannel(s.Value)
				if err != nil {
					p.errorf(s, "rule %d: %v", i+1, err)
					continue
				}
				r.Channels = append(r.Channels, c)
			}
		case "second_approval_over":
			threshold = k
			var t int
			if v.Kind != yaml.ScalarNode || v.Tag != "!!int" || v.Decode(&t) != nil {
				p.errorf(v, "rule %d: second_approval_over must be a whole number of IDs, got %q", i+1, v.Value)
			} else if t < 0 {
				p.errorf(v, "rule %d: second_approval_over must not be negative (0 means every request with IDs needs a second person)", i+1)
			} else {
				r.SecondApprovalOver = t
			}
		case "approve":
			approve = k
			r.Approve = p.principals(i, key, v)
		default:
			p.errorf(k, "rule %d: unknown field %q (known fields: %s)", i+1, key, strings.Join(ruleFields, ", "))
		}
	})
	if !has["verbs"] {
		p.errorf(n, "rule %d has no verbs: list", i+1)
	}
	if !has["request"] {
		p.errorf(n, "rule %d has no request: list (who may ask; \"*\" for everyone)", i+1)
	}
	if threshold != nil && approve == nil {
		p.errorf(threshold, "rule %d: second_approval_over needs an approve: list (who may be the second person)", i+1)
	}
	if approve != nil && threshold == nil {
		p.errorf(approve, "rule %d: approve needs second_approval_over (how many IDs a request may have before a second person must approve)", i+1)
	}
	return r
}

// strings reads a non-empty list of strings, reporting anything else.
func (p *parser) strings(i int, key string, v *yaml.Node) []*yaml.Node {
	if v.Kind != yaml.SequenceNode {
		p.errorf(v, "rule %d: %s must be a list, e.g. %s: [...]", i+1, key, key)
		return nil
	}
	if len(v.Content) == 0 {
		what := "an empty list allows nothing"
		if key == "channels" {
			what = "leave channels out to allow anywhere"
		}
		p.errorf(v, "rule %d: %s is empty (%s)", i+1, key, what)
	}
	var out []*yaml.Node
	for _, item := range v.Content {
		item = deref(item)
		switch {
		case item.Kind == yaml.MappingNode:
			p.errorf(item, "rule %d: an entry of %s is a mapping, not a string: remove the space after the colon, or quote it", i+1, key)
		case item.Kind != yaml.ScalarNode || item.Tag == "!!null":
			p.errorf(item, "rule %d: each entry of %s must be a string", i+1, key)
		default:
			out = append(out, item)
		}
	}
	return out
}

func (p *parser) principals(i int, key string, v *yaml.Node) []Principal {
	var out []Principal
	for _, s := range p.strings(i, key, v) {
		pr, err := ParsePrincipal(s.Value)
		if err != nil {
			p.errorf(s, "rule %d: %s: %v", i+1, key, err)
			continue
		}
		out = append(out, pr)
	}
	return out
}
