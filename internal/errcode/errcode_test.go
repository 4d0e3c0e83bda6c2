package errcode

import "testing"

func TestConditionsResolve(t *testing.T) {
	for _, c := range Conditions() {
		if c.HTTP() == 0 || c.Code() == "" {
			t.Errorf("condition %s: no canonical entry", c.Name)
		}
	}
}
