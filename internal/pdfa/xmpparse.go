package pdfa

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// XMP namespaces the check needs to know by URI.
const (
	nsRDF       = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
	nsXML       = "http://www.w3.org/XML/1998/namespace"
	nsPDFAID    = "http://www.aiim.org/pdfa/ns/id/"
	nsDC        = "http://purl.org/dc/elements/1.1/"
	nsXMPBasic  = "http://ns.adobe.com/xap/1.0/"
	nsPDF       = "http://ns.adobe.com/pdf/1.3/"
	nsExtension = "http://www.aiim.org/pdfa/ns/extension/"
	nsSchema    = "http://www.aiim.org/pdfa/ns/schema#"
	nsProperty  = "http://www.aiim.org/pdfa/ns/property#"
)

// predefinedXMP are the schemas PDF/A-2 and -3 accept without an extension
// schema (XMP Specification 2004 plus the PDF/A schemas themselves).
var predefinedXMP = map[string]bool{
	nsDC: true, nsXMPBasic: true, nsPDF: true, nsPDFAID: true,
	nsExtension: true, nsSchema: true, nsProperty: true,
	"http://www.aiim.org/pdfa/ns/type#":                true,
	"http://www.aiim.org/pdfa/ns/field#":               true,
	"http://ns.adobe.com/xap/1.0/rights/":              true,
	"http://ns.adobe.com/xap/1.0/mm/":                  true,
	"http://ns.adobe.com/xap/1.0/bj/":                  true,
	"http://ns.adobe.com/xap/1.0/t/pg/":                true,
	"http://ns.adobe.com/xmp/1.0/DynamicMedia/":        true,
	"http://ns.adobe.com/xmp/Identifier/qual/1.0/":     true,
	"http://ns.adobe.com/photoshop/1.0/":               true,
	"http://ns.adobe.com/camera-raw-settings/1.0/":     true,
	"http://ns.adobe.com/tiff/1.0/":                    true,
	"http://ns.adobe.com/exif/1.0/":                    true,
	"http://ns.adobe.com/exif/1.0/aux/":                true,
	"http://ns.adobe.com/xap/1.0/sType/ResourceRef#":   true,
	"http://ns.adobe.com/xap/1.0/sType/ResourceEvent#": true,
	"http://ns.adobe.com/xap/1.0/sType/Dimensions#":    true,
	"http://ns.adobe.com/xap/1.0/sType/Version#":       true,
	"http://ns.adobe.com/xap/1.0/sType/Job#":           true,
	"http://ns.adobe.com/xap/1.0/sType/Font#":          true,
	"http://ns.adobe.com/xap/1.0/g/":                   true,
	"http://ns.adobe.com/xap/1.0/g/img/":               true,
	"http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/":      true,
}

// xmlNode is a minimal element tree: enough to read RDF, not a general DOM.
type xmlNode struct {
	name     xml.Name
	attrs    []xml.Attr
	children []*xmlNode
	text     strings.Builder
}

// maxXMPNodes bounds the tree built from a hostile packet.
const maxXMPNodes = 100000

func parseXMLTree(data []byte) (*xmlNode, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	root := &xmlNode{}
	stack := []*xmlNode{root}
	nodes := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if nodes++; nodes > maxXMPNodes {
				return nil, fmt.Errorf("more than %d elements", maxXMPNodes)
			}
			n := &xmlNode{name: t.Name, attrs: t.Attr}
			top := stack[len(stack)-1]
			top.children = append(top.children, n)
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			stack[len(stack)-1].text.Write(t)
		}
	}
	return root, nil
}

// allText concatenates the character data of n and its descendants, the
// way validators compare XMP values with Info entries.
func (n *xmlNode) allText() string {
	var b strings.Builder
	var walk func(*xmlNode)
	walk = func(n *xmlNode) {
		b.WriteString(n.text.String())
		for _, c := range n.children {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func (n *xmlNode) walk(f func(*xmlNode)) {
	f(n)
	for _, c := range n.children {
		c.walk(f)
	}
}

// xmpPacket is a parsed XMP packet: the top-level properties of all
// rdf:Description elements.
type xmpPacket struct {
	props    []xmpProp
	root     *xmlNode
	extNames map[string]map[string]bool // namespace → described property names
}

type xmpProp struct {
	name xml.Name
	node *xmlNode // nil for a property written as attribute
	attr string   // value when written as attribute
}

func parseXMP(data []byte) (*xmpPacket, error) {
	root, err := parseXMLTree(data)
	if err != nil {
		return nil, err
	}
	p := &xmpPacket{root: root, extNames: map[string]map[string]bool{}}
	var rdf *xmlNode
	root.walk(func(n *xmlNode) {
		if rdf == nil && n.name.Space == nsRDF && n.name.Local == "RDF" {
			rdf = n
		}
	})
	if rdf == nil {
		return nil, errors.New("no rdf:RDF element")
	}
	for _, d := range rdf.children {
		if d.name.Space != nsRDF || d.name.Local != "Description" {
			continue
		}
		for _, a := range d.attrs {
			if a.Name.Space == "xmlns" || a.Name.Space == nsRDF || a.Name.Space == nsXML || a.Name.Space == "" {
				continue
			}
			p.props = append(p.props, xmpProp{name: a.Name, attr: a.Value})
		}
		for _, c := range d.children {
			p.props = append(p.props, xmpProp{name: c.name, node: c})
		}
	}
	// Extension schemas: every pdfaSchema:namespaceURI with the
	// pdfaProperty:name entries found beside it in the same schema resource.
	root.walk(func(n *xmlNode) {
		for _, schema := range n.children {
			ns, ok := schemaNamespace(schema)
			if !ok {
				continue
			}
			names := p.extNames[ns]
			if names == nil {
				names = map[string]bool{}
				p.extNames[ns] = names
			}
			schema.walk(func(m *xmlNode) {
				if m.name.Space == nsProperty && m.name.Local == "name" {
					names[strings.TrimSpace(m.allText())] = true
				}
				for _, a := range m.attrs {
					if a.Name.Space == nsProperty && a.Name.Local == "name" {
						names[strings.TrimSpace(a.Value)] = true
					}
				}
			})
		}
	})
	return p, nil
}

// schemaNamespace reports the pdfaSchema:namespaceURI of a schema resource
// (an rdf:li with parseType Resource, or with a nested rdf:Description).
func schemaNamespace(n *xmlNode) (string, bool) {
	for _, a := range n.attrs {
		if a.Name.Space == nsSchema && a.Name.Local == "namespaceURI" {
			return strings.TrimSpace(a.Value), true
		}
	}
	for _, c := range n.children {
		if c.name.Space == nsSchema && c.name.Local == "namespaceURI" {
			return strings.TrimSpace(c.allText()), true
		}
	}
	return "", false
}

// value returns a top-level property's text: for rdf:Alt the x-default
// entry (else the first), for Seq/Bag the items' text joined, as written.
func (p *xmpPacket) value(ns, local string) (string, bool) {
	for _, pr := range p.props {
		if pr.name.Space != ns || pr.name.Local != local {
			continue
		}
		if pr.node == nil {
			return strings.TrimSpace(pr.attr), true
		}
		for _, c := range pr.node.children {
			if c.name.Space == nsRDF && c.name.Local == "Alt" {
				for _, li := range c.children {
					for _, a := range li.attrs {
						if a.Name.Space == nsXML && a.Name.Local == "lang" && a.Value == "x-default" {
							return strings.TrimSpace(li.allText()), true
						}
					}
				}
				if len(c.children) > 0 {
					return strings.TrimSpace(c.children[0].allText()), true
				}
			}
		}
		return strings.TrimSpace(pr.node.allText()), true
	}
	return "", false
}

// undeclared lists top-level properties of non-predefined namespaces that
// no extension schema describes (ISO 19005-2, 6.6.2.3).
func (p *xmpPacket) undeclared() []string {
	var out []string
	for _, pr := range p.props {
		ns := pr.name.Space
		if predefinedXMP[ns] || p.extNames[ns][pr.name.Local] {
			continue
		}
		out = append(out, ns+pr.name.Local)
	}
	return out
}
