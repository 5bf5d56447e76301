package config

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// yamlParser is a koanf.Parser that reads YAML through yaml.Node instead
// of straight into map[string]any, for two reasons:
//
//   - It keeps the line of every key, so errors say memepipe.yaml:14.
//   - YAML 1.1-style integers such as 0x000000000000000000000000000000000000dEaD
//     (the burn address!) would otherwise silently become the number 57005;
//     config has no hexadecimal or octal numbers, so such scalars stay the
//     text the user wrote.
type yamlParser struct {
	lines map[string]int // key path -> line in the file
}

func (p *yamlParser) Marshal(map[string]any) ([]byte, error) {
	return nil, fmt.Errorf("not supported")
}

func (p *yamlParser) Unmarshal(b []byte) (map[string]any, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return map[string]any{}, nil // empty file
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		if root.Tag == "!!null" {
			return map[string]any{}, nil
		}
		return nil, fmt.Errorf("line %d: the top level must be a map of keys (db:, pipelines: ...)", root.Line)
	}
	v, err := p.convert("", root)
	if err != nil {
		return nil, err
	}
	return v.(map[string]any), nil
}

func (p *yamlParser) convert(path string, n *yaml.Node) (any, error) {
	if p.lines != nil && path != "" {
		if _, ok := p.lines[path]; !ok {
			p.lines[path] = n.Line
		}
	}
	switch n.Kind {
	case yaml.AliasNode:
		return p.convert(path, n.Alias)
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return p.convert(path, n.Content[0])
	case yaml.SequenceNode:
		out := make([]any, len(n.Content))
		for i, c := range n.Content {
			v, err := p.convert(join(path, i), c)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case yaml.MappingNode:
		out := map[string]any{}
		var merges []*yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Tag == "!!merge" {
				merges = append(merges, v)
				continue
			}
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: a key must be a plain name", k.Line)
			}
			kp := join(path, k.Value)
			if p.lines != nil {
				p.lines[kp] = k.Line
			}
			val, err := p.convert(kp, v)
			if err != nil {
				return nil, err
			}
			out[k.Value] = val
		}
		// "<<: *defaults" fills the keys the map did not set itself.
		for _, m := range merges {
			srcs := []*yaml.Node{m}
			if m.Kind == yaml.SequenceNode {
				srcs = m.Content
			}
			for _, s := range srcs {
				v, err := p.convert("", s)
				if err != nil {
					return nil, err
				}
				mm, ok := v.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("line %d: << must merge a map", m.Line)
				}
				for k, v := range mm {
					if _, set := out[k]; !set {
						out[k] = v
					}
				}
			}
		}
		return out, nil
	case yaml.ScalarNode:
		return scalar(n)
	}
	return nil, fmt.Errorf("line %d: unsupported YAML node", n.Line)
}

func scalar(n *yaml.Node) (any, error) {
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, fmt.Errorf("line %d: %v", n.Line, err)
		}
		return b, nil
	case "!!int":
		v := strings.TrimLeft(n.Value, "+-")
		if len(v) > 1 && v[0] == '0' {
			return n.Value, nil // 0x..., 0o..., 0755: keep the text
		}
		if i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 10, 64); err == nil {
			return int(i), nil
		}
		return n.Value, nil
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return n.Value, nil
		}
		return f, nil
	}
	return n.Value, nil
}
