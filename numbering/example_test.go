package numbering_test

import (
	"fmt"

	"github.com/ewaybill/ewaybill/numbering"
)

func ExampleFormat_Number() {
	ems := numbering.Format{Prefix: "EA", SerialLength: 8, Scheme: numbering.SchemeUPUS10, Suffix: "CN"}
	number, err := ems.Number(47326760)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(number)

	_, err = ems.Parse("EA473267602CN")
	fmt.Println(err)
	// Output:
	// EA473267601CN
	// waybill number check digit should be 1 under upu_s10; check the number for a typing error
}
