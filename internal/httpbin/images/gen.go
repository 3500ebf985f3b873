//go:build ignore

// gen draws the picture /image serves and writes it as image.png and
// image.jpeg; image.webp and image.avif are made from the PNG by cwebp and
// avifenc (Debian's webp and libavif-bin), all lossless but the JPEG:
//
//	go run gen.go && cwebp -lossless -z 9 -quiet image.png -o image.webp &&
//	avifenc -l -s 0 image.png image.avif
//
// image.svg is the same picture, written by hand.
package main

import (
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"log"
	"math"
	"os"
)

const size = 64

func main() {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	teal := color.NRGBA{0x0f, 0x76, 0x6e, 0xff}
	coral := color.NRGBA{0xf9, 0x73, 0x16, 0xff}
	for y := range size {
		for x := range size {
			// Distance of the pixel's centre from the picture's.
			d := math.Hypot(float64(x)+0.5-size/2, float64(y)+0.5-size/2)
			c := color.NRGBA{0xff, 0xff, 0xff, 0xff}
			switch {
			case d >= 20 && d <= 28: // a ring: the trip out and back
				c = teal
			case d <= 8: // the server at its centre
				c = coral
			}
			img.SetNRGBA(x, y, c)
		}
	}
	write("image.png", func(f *os.File) error { return png.Encode(f, img) })
	write("image.jpeg", func(f *os.File) error { return jpeg.Encode(f, img, &jpeg.Options{Quality: 85}) })
}

func write(name string, encode func(*os.File) error) {
	f, err := os.Create(name)
	if err != nil {
		log.Fatal(err)
	}
	if err := encode(f); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}
