"""Live stock: shoppers' WebSockets hear of stock, price and shelf changes as they commit."""
